import { status } from '@grpc/grpc-js';
import { describe, expect, test } from 'vitest';
import { checkRequest } from '../../../../src/xds/server/limits.js';
import { TYPE_URL } from '../../../../src/xds/types.js';

const limits = { maxNames: 3, maxNameLength: 5 };

describe('request checks', () => {
  test('empty type URL closes with INVALID_ARGUMENT; unknown is ignored; served types pass', () => {
    expect(checkRequest('', [], limits)).toMatchObject({ kind: 'close', code: status.INVALID_ARGUMENT, reason: 'empty_type_url' });
    expect(checkRequest('type.googleapis.com/x.Y', [], limits)).toMatchObject({ kind: 'ignore', reason: 'unknown_type_url' });
    expect(checkRequest(TYPE_URL.CLUSTER, [['a']], limits)).toEqual({ kind: 'ok', type: TYPE_URL.CLUSTER });
  });

  test('too many names and too long names close with a clear status, whatever the type', () => {
    expect(checkRequest(TYPE_URL.ENDPOINT, [['a', 'b', 'c', 'd']], limits)).toMatchObject({ kind: 'close', code: status.RESOURCE_EXHAUSTED });
    expect(checkRequest('unknown', [[], ['abcdef']], limits)).toMatchObject({ kind: 'close', code: status.INVALID_ARGUMENT, reason: 'name_too_long' });
  });
});
