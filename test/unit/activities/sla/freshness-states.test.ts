import {
  monitorFailureState,
  monitorMeasuredState,
  quietState,
  slaAlertKind,
  stalledState,
  targetLagStates,
} from '../../../../activities/sla/freshness-states';

describe('freshness SLA states', () => {
  it('breaches the monitor only from the configured number of failed checks in a row, naming the class', () => {
    expect(monitorFailureState('KafkaJSConnectionError', 2, 3).breached).toBe(false);
    expect(monitorFailureState('KafkaJSConnectionError', 3, 3)).toEqual({
      sla: 'monitor',
      breached: true,
      detail: 'stream monitor cannot measure: KafkaJSConnectionError (3 checks in a row)',
    });
    expect(monitorMeasuredState(2)).toEqual({
      sla: 'monitor',
      breached: false,
      detail: 'stream monitor measured 2 topics',
    });
  });

  it('calls a source quiet once its newest heartbeat is older than the budget, and holds before the first', () => {
    expect(quietState('operational', 61, 60)).toMatchObject({ sla: 'quiet:operational', breached: true });
    expect(quietState('operational', 60, 60)).toMatchObject({ breached: false });
    expect(quietState('operational', null, 60)).toMatchObject({ breached: false });
    expect(quietState('operational', 61, 60).detail).toBe(
      'source quiet: the newest heartbeat of operational in staging is 61 s old (budget 60 s)',
    );
  });

  it('judges each refreshed curation table against its own target lag', () => {
    expect(
      targetLagStates([
        { table: 'a', targetLagSeconds: 2, lagSeconds: 3.4 },
        { table: 'b', targetLagSeconds: 60, lagSeconds: 3.4 },
        { table: 'c', targetLagSeconds: 2, lagSeconds: null },
      ]),
    ).toEqual([
      { sla: 'target-lag:a', breached: true, detail: 'a is 3 s behind its sources (target lag 2 s)' },
      { sla: 'target-lag:b', breached: false, detail: 'b is 3 s behind its sources (target lag 60 s)' },
    ]);
  });

  it('judges a consumer dead by its workflow status and stalled by lag without progress; a cancelled one by lag only', () => {
    const c = { topic: 't', workflowId: 'edp-stream-x', lag: 0, stuckSeconds: null, stalledAfterSeconds: 60 };
    for (const status of ['FAILED', 'TERMINATED', 'TIMED_OUT'])
      expect(stalledState({ ...c, status })).toEqual({
        sla: 'stalled:t',
        breached: true,
        detail: `consumer dead: edp-stream-x is ${status} (0 messages behind)`,
      });
    expect(stalledState({ ...c, status: 'CANCELED' }).breached).toBe(false);
    expect(stalledState({ ...c, status: 'RUNNING', lag: 5, stuckSeconds: 61 })).toEqual({
      sla: 'stalled:t',
      breached: true,
      detail: 'consumer stalled: t made no progress for 61 s with 5 messages behind (budget 60 s)',
    });
    expect(stalledState({ ...c, status: 'CANCELED', lag: 5, stuckSeconds: 61 }).breached).toBe(true);
    expect(stalledState({ ...c, lag: 5, stuckSeconds: 60 }).breached).toBe(false);
    // Not watched long enough to say.
    expect(stalledState({ ...c, lag: 5, stuckSeconds: null })).toEqual({
      sla: 'stalled:t',
      breached: false,
      detail: 'consumer of t progressing (5 messages behind)',
    });
  });

  it('routes SLA alerts by kind: stream-stalled, target-lag, sla-breach', () => {
    expect(slaAlertKind('stalled:claims')).toBe('stream-stalled');
    expect(slaAlertKind('target-lag:claim_status')).toBe('target-lag');
    expect(['latency', 'monitor', 'quiet:operational', 'lag:claims'].map(slaAlertKind)).toEqual(
      Array(4).fill('sla-breach'),
    );
  });
});
