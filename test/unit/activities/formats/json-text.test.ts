import { arrayElements, jsonText, numberLiterals } from '../../../../activities/formats/json-text';

describe('JSON member text', () => {
  it('keeps the digits of integers JSON.parse would round, at the top level only', () => {
    const doc = `{"id": 12345678901234567890, "s": "a \\"}\\" {[", "n": -7, "f": 1.5e3, "o": {"deep": 98765432109876543210}, "z": null}`;
    expect(JSON.parse(doc)).toMatchObject({ id: 12345678901234567000 });
    expect(numberLiterals(doc)).toEqual(
      new Map([
        ['id', '12345678901234567890'],
        ['n', '-7'],
        ['f', '1.5e3'],
      ]),
    );
  });

  it('splits a JSON array into its elements as written', () => {
    expect(arrayElements(' [ {"a": [1, {"b": "]"}]}, "x,y", 3 ,null,[ ] ] ')).toEqual([
      '{"a": [1, {"b": "]"}]}',
      '"x,y"',
      '3',
      'null',
      '[ ]',
    ]);
    expect(arrayElements('[]')).toEqual([]);
  });

  it('renders values as DuckDB json_extract_string does', () => {
    expect([jsonText('s'), jsonText(1.5), jsonText(true), jsonText({ a: 1 }), jsonText(null)]).toEqual([
      's',
      '1.5',
      'true',
      '{"a":1}',
      null,
    ]);
  });
});
