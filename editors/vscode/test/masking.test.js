'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { maskText, maskLine, MASK } = require('../src/masking');

test('URL passwords are masked', () => {
  assert.equal(maskText('postgresql://alice:s3cret@db:5432/x'), `postgresql://alice:${MASK}@db:5432/x`);
});

test('conninfo password keywords are masked, quoted or not', () => {
  assert.equal(maskText("host=db password=s3cret user=a"), `host=db password=${MASK} user=a`);
  assert.equal(maskText("password='se cret' host=db"), `password=${MASK} host=db`);
});

test('known secret values are masked, also percent-encoded, longest first', () => {
  const out = maskText('key k3y/secret! and k3y%2Fsecret! and k3yy', ['k3y/secret!', 'k3yy']);
  assert.equal(out, `key ${MASK} and ${MASK} and ${MASK}`);
});

test('short secrets are not replaced (they would mangle ordinary text)', () => {
  assert.equal(maskText('abc', ['abc']), 'abc');
});

test('maskLine flattens to one line', () => {
  assert.equal(maskLine('a\n  b\tpassword=x1234', []), `a b password=${MASK}`);
});
