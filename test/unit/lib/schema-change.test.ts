import { typeChange, type ColumnShape } from '../../../lib/schema-change';
import { BIGINT, num, text } from '../../helpers/column-shapes';

describe('typeChange: what an existing column becomes when its declared type changes', () => {
  it.each<[string, ColumnShape, ColumnShape, ReturnType<typeof typeChange>]>([
    ['the same type', num(12, 2), num(12, 2), { action: 'keep' }],
    ['the same unbounded text', text(), text(), { action: 'keep' }],
    ['a longer varchar', text(10), text(20), { action: 'widen' }],
    ['a bounded varchar becoming unbounded', text(10), text(), { action: 'widen' }],
    ['more precision, same scale', num(12, 2), num(18, 2), { action: 'widen' }],
    ['more scale and as many digits before the point', num(12, 2), num(14, 4), { action: 'widen' }],
    ['a decimal of scale 0 becoming an integer of more digits', num(12, 0), BIGINT, { action: 'widen' }],
    ['an integer becoming a decimal with room for every integer', BIGINT, num(38, 2), { action: 'widen' }],
    [
      'an integer becoming a smaller decimal: only if the values fit',
      BIGINT,
      num(18, 2),
      { action: 'widen', valuesMustFit: 16 },
    ],
    ['a date staying a date', { kind: 'date' }, { kind: 'date' }, { action: 'keep' }],
  ])('%s', (_title, from, to, expected) => {
    expect(typeChange(from, to)).toEqual(expected);
  });

  it.each<[string, ColumnShape, ColumnShape, RegExp]>([
    ['a shorter varchar', text(20), text(10), /shorter/],
    ['unbounded text becoming bounded', text(), text(10), /shorter/],
    ['a decimal becoming an integer', num(18, 2), BIGINT, /rounded to 0 digits after the point/],
    ['less scale', num(12, 4), num(12, 2), /rounded to 2 digits/],
    ['fewer digits before the point', num(18, 2), num(10, 2), /holds 8 digits before the point, the old one 16/],
    ['text becoming a number', text(), BIGINT, /text column cannot become a number/],
    ['a number becoming text', num(12, 2), text(), /number column cannot become a text/],
    ['a timestamp becoming a date', { kind: 'timestamp' }, { kind: 'date' }, /timestamp column cannot become a date/],
    ['a boolean becoming an integer', { kind: 'boolean' }, BIGINT, /cannot become/],
    ['an unknown type becoming another', { kind: 'other', name: 'BLOB' }, text(), /not of one kind/],
  ])('refuses %s', (_title, from, to, why) => {
    const decision = typeChange(from, to);
    expect(decision.action).toBe('refuse');
    expect(decision.action === 'refuse' && decision.why).toMatch(why);
  });
});
