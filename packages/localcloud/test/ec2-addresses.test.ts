// tier: unit
// Instances' private addresses: unique while an instance is listed, free again once it is gone, so
// a fleet replaced again and again never runs the cloud out of addresses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAddressAllocator } from '../src/ec2/model.js';

describe('instance addresses', () => {
  it('hands out fresh addresses first, then those released, oldest first', () => {
    const addresses = createAddressAllocator([7, 254]);
    // The real range from 127.7.254.1 has two /24s: 508 addresses.
    const taken = Array.from({ length: 508 }, () => addresses.next('real'));
    assert.equal(new Set(taken).size, 508);
    assert.equal(taken[0], '127.7.254.1');
    assert.equal(taken[507], '127.7.255.254');
    assert.throws(() => addresses.next('real'), /ran out of loopback addresses/);
    addresses.release('127.7.254.9', 'real');
    addresses.release('127.7.254.3', 'real');
    assert.equal(addresses.next('real'), '127.7.254.9');
    assert.equal(addresses.next('real'), '127.7.254.3');
    assert.throws(() => addresses.next('real'), /ran out of loopback addresses/);
  });

  it('keeps synthetic and real ranges apart', () => {
    const addresses = createAddressAllocator([7, 254]);
    assert.equal(addresses.next(), '127.0.1.1');
    assert.equal(addresses.next('real'), '127.7.254.1');
    addresses.release('127.0.1.1', 'synthetic');
    // Fresh synthetic addresses remain, so the released one waits.
    assert.equal(addresses.next('synthetic'), '127.0.1.2');
  });
});
