import { describe, expect, it } from 'vitest';
import { queueSplit, type QueueSplitInput } from '../../../src/feedback/queue-split.js';
import { QUEUE_PROBE } from '../../../src/feedback/tuning.js';

const at = (answered: number | undefined, o: Partial<QueueSplitInput> = {}): QueueSplitInput => ({
  answered,
  counts: true,
  slow: false,
  queueing: false,
  limited: false,
  ...o,
});
const slowQueue = (answered: number) => at(answered, { slow: true, queueing: true });

describe('the panic split without a CPU signal (queue-split.ts)', () => {
  it('gives a slow endpoint that queues its answered rate over the others\' median', () => {
    // The mass degradation at equal weights: the slow three answer 6.7 a second, the others 12.
    const split = queueSplit([slowQueue(6.7), slowQueue(6.6), slowQueue(6.7), at(12), at(12)]);
    [6.7 / 12, 6.6 / 12, 6.7 / 12].forEach((m, i) => expect(split[i]).toBeCloseTo(m));
    expect(split.slice(3)).toEqual([undefined, undefined]);
  });
  it('probes a limited slow endpoint whose queue is gone a step over its ratio, and frees one that is no longer slow', () => {
    // Drained, it answers what it is sent: its ratio alone would keep it as low as the drain left it.
    expect(queueSplit([at(4, { slow: true, limited: true }), at(12), at(12)])[0]).toBeCloseTo((1 / 3) * QUEUE_PROBE);
    expect(queueSplit([at(4, { limited: true }), at(12), at(12)])).toEqual([]);
  });
  it('serves equal weights where nothing queues or a queue answers more than the others, and every endpoint its capacity where all queue', () => {
    // Slow but not queueing (a latency without a capacity loss), never limited: equal.
    expect(queueSplit([at(12, { slow: true }), at(12), at(12)])).toEqual([]);
    // Every endpoint queueing or limited: each answers at its capacity, and the largest is the reference.
    const all = queueSplit([slowQueue(6), slowQueue(12), at(3, { slow: true, limited: true })]);
    expect(all[0]).toBeCloseTo(0.5);
    expect(all[1]).toBeUndefined();
    expect(all[2]).toBeCloseTo(0.25 * QUEUE_PROBE);
    // Slow without a queue, the others still answer what their share sends them.
    expect(queueSplit([slowQueue(6), at(12, { slow: true }), at(12, { slow: true })])[0]).toBeCloseTo(0.5);
    expect(queueSplit([slowQueue(14), at(12), at(12)])).toEqual([]);
    // Only current, non-ejected endpoints count, as reference or as limited.
    expect(queueSplit([slowQueue(6), at(12, { counts: false })])).toEqual([]);
    expect(queueSplit([at(6, { slow: true, queueing: true, counts: false }), at(12)])).toEqual([]);
  });
  it('takes a queue that answers nothing to nothing (the floor, in service-tick.ts), and ignores unusable rates', () => {
    expect(queueSplit([slowQueue(0), at(12), at(12)])[0]).toBe(0);
    expect(queueSplit([slowQueue(Number.NaN), at(12), at(undefined)])).toEqual([]);
  });
});
