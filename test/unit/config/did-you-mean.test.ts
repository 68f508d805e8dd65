import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { didYouMean } from '../../../src/config/did-you-mean.js';

const KEYS = ['host', 'port', 'user', 'password', 'server_id', 'include', 'exclude', 'connect_timeout_ms'];

describe('didYouMean', () => {
  it('counts a transposition as one edit', () => {
    assert.equal(didYouMean('hots', KEYS), 'host');
    assert.equal(didYouMean('pasword', KEYS), 'password');
    assert.equal(didYouMean('serverid', KEYS), 'server_id');
    assert.equal(didYouMean('Port', KEYS), 'port');
  });

  it('suggests nothing for a different word', () => {
    assert.equal(didYouMean('turbo', KEYS), undefined);
    assert.equal(didYouMean('xy', KEYS), undefined);
    assert.equal(didYouMean('anything', []), undefined);
  });
});
