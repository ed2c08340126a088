import { describe, expect, it } from '@jest/globals';
import {
  backoffDelay,
  DEFAULT_RETRY,
  OpenStackHttpError,
  parseRetryAfter,
  retryDelay,
  serviceMessage,
  type Failure,
} from '../../../shared/openstack/http.js';

const policy = { ...DEFAULT_RETRY, attempts: 5, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
const error = new OpenStackHttpError('GET', '/v2/images/x', 503, 'busy');
const status = (code: number, retryAfterMs?: number): Failure => ({
  kind: 'status',
  status: code,
  retryAfterMs,
  error,
});
const connection = (code: string): Failure => ({ kind: 'connection', code, error });

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-03-03T10:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('reads an HTTP date relative to now, and never below zero', () => {
    expect(parseRetryAfter('Sun, 03 Mar 2024 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 03 Mar 2024 09:59:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('is full jitter under an exponential ceiling', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(0);
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(499);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(1999);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(1000);
  });
  it('never exceeds the cap however many attempts', () => {
    for (let attempt = 1; attempt < 60; attempt += 1) {
      const delay = backoffDelay(attempt, policy, () => 0.999999);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(policy.maxDelayMs);
    }
  });
});

describe('retryDelay', () => {
  const half = () => 0.5;
  it('retries 5xx and 429 of idempotent requests with backoff', () => {
    expect(retryDelay(status(503), 1, true, policy, half)).toBe(250);
    expect(retryDelay(status(429), 2, true, policy, half)).toBe(500);
    expect(retryDelay(status(500), 3, true, policy, half)).toBe(1000);
  });
  it('waits what Retry-After asks, unless that is too long', () => {
    expect(retryDelay(status(503, 3000), 1, true, policy, half)).toBe(3000);
    expect(retryDelay(status(503, 3_600_000), 1, true, policy, half)).toBeUndefined();
  });
  it('does not retry client errors', () => {
    for (const code of [400, 401, 403, 404, 409, 413]) {
      expect(retryDelay(status(code), 1, true, policy, half)).toBeUndefined();
    }
  });
  it('retries connection errors of idempotent requests', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']) {
      expect(retryDelay(connection(code), 1, true, policy, half)).toBe(250);
    }
  });
  it('retries a POST only when the connection was refused', () => {
    expect(retryDelay(connection('ECONNREFUSED'), 1, false, policy, half)).toBe(250);
    expect(retryDelay(connection('ECONNRESET'), 1, false, policy, half)).toBeUndefined();
    expect(retryDelay(connection('EPIPE'), 1, false, policy, half)).toBeUndefined();
    expect(retryDelay(status(503), 1, false, policy, half)).toBeUndefined();
  });
  it('stops after the last attempt', () => {
    expect(retryDelay(status(503), 4, true, policy, half)).toBe(2000);
    expect(retryDelay(status(503), 5, true, policy, half)).toBeUndefined();
    expect(retryDelay(connection('ECONNRESET'), 5, true, policy, half)).toBeUndefined();
  });
});

describe('serviceMessage', () => {
  it('reads Nova fault bodies', () => {
    expect(serviceMessage('{"badRequest": {"code": 400, "message": "Flavor 999 could not be found."}}')).toBe(
      'Flavor 999 could not be found.',
    );
    expect(
      serviceMessage(
        '{"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 11, but already used 0 of 10 instances"}}',
      ),
    ).toBe('Quota exceeded for instances: Requested 11, but already used 0 of 10 instances');
  });
  it('reads Glance JSON errors and strips <br />', () => {
    expect(
      serviceMessage(
        '{"message": "Image status transition from active to saving is not allowed<br /><br />\\n\\n\\n", "code": "409 Conflict", "title": "Conflict"}',
      ),
    ).toBe('Image status transition from active to saving is not allowed');
  });
  it('reads Keystone and Neutron errors', () => {
    expect(
      serviceMessage(
        '{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}',
      ),
    ).toBe('The request you have made requires authentication.');
    expect(
      serviceMessage(
        '{"NeutronError": {"type": "NetworkNotFound", "message": "Network x could not be found.", "detail": ""}}',
      ),
    ).toBe('Network x could not be found.');
  });
  it('reduces HTML pages to their text and keeps plain text', () => {
    const html =
      '<html>\n <head>\n  <title>409 Conflict</title>\n </head>\n <body>\n  <h1>409 Conflict</h1>\n  There was a conflict when trying to complete your request.<br /><br />\nImage status transition from active to saving is not allowed\n\n\n </body>\n</html>';
    expect(serviceMessage(html)).toBe(
      '409 Conflict There was a conflict when trying to complete your request. Image status transition from active to saving is not allowed',
    );
    expect(serviceMessage('Service Unavailable')).toBe('Service Unavailable');
    expect(serviceMessage('')).toBe('');
  });
  it('bounds very long messages', () => {
    expect(serviceMessage('x'.repeat(5000)).length).toBeLessThanOrEqual(501);
  });
});

describe('OpenStackHttpError', () => {
  it('says method, path, status and the service message', () => {
    expect(
      new OpenStackHttpError('PUT', '/v2/images/abc/file', 413, 'Image exceeds the storage quota').message,
    ).toBe('PUT /v2/images/abc/file failed: HTTP 413: Image exceeds the storage quota');
  });
});
