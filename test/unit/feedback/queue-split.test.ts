import { describe, expect, it } from 'vitest';
import { queueSplit, type QueueSplitInput } from '../../../src/feedback/queue-split.js';

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
  it('keeps a limited slow endpoint at its ratio once its queue drains, and frees one that is no longer slow', () => {
    expect(queueSplit([at(4, { slow: true, limited: true }), at(12), at(12)])[0]).toBeCloseTo(1 / 3);
    expect(queueSplit([at(4, { limited: true }), at(12), at(12)])).toEqual([]);
  });
  it('serves equal weights where nothing queues, nothing is left to compare with, or a queue answers more than the others', () => {
    // Slow but not queueing (a latency without a capacity loss), never limited: equal.
    expect(queueSplit([at(12, { slow: true }), at(12), at(12)])).toEqual([]);
    // Every endpoint queueing or limited: no reference.
    expect(queueSplit([slowQueue(6), slowQueue(6), at(3, { slow: true, limited: true })])).toEqual([]);
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
