import { onceEndNote } from '../../../cli/demo-command';

describe('npm run demo (edp start --once)', () => {
  const ui = 'http://127.0.0.1:8233';

  it('says that the Web UI link goes dark when it stops the services it started, and how to keep them', () => {
    const note = onceEndNote(ui, ['temporal', 'kafka'], false);
    expect(note).toContain('stops what it started (temporal, kafka), so the Web UI link above goes dark');
    expect(note).toContain('npm run demo -- --keep');
  });

  it('with --keep leaves them up and says how to stop them; says nothing when it started nothing', () => {
    expect(onceEndNote(ui, ['temporal'], true)).toBe(
      `\nThe services stay up (--keep): Web UI ${ui}; stop them with \`npx edp down\`.`,
    );
    expect(onceEndNote(ui, [], false)).toBeUndefined();
  });
});
