import * as assert from 'node:assert/strict';
import { AgreementEstimate, keepPending } from '../../../src/completion/pendingPolicy';
import type { KeepPendingInput } from '../../../src/completion/pendingPolicy';

const slow: KeepPendingInput = { ageMs: 0, timeToFirstTokenMs: 1000, mayPauseHere: true, restartDelayMs: 60, agreement: 0.75 };

suite('pending-request policy', () => {
  suite('agreement estimate', () => {
    test('starts at one half and follows the verdicts', () => {
      const estimate = new AgreementEstimate(4);
      assert.equal(estimate.probability, 0.5);
      estimate.record(true);
      estimate.record(true);
      assert.equal(estimate.probability, 3 / 4);
      estimate.record(false);
      assert.equal(estimate.probability, 3 / 5);
    });
    test('only the last `window` verdicts count', () => {
      const estimate = new AgreementEstimate(3);
      for (let i = 0; i < 10; i++) {
        estimate.record(true);
      }
      for (let i = 0; i < 3; i++) {
        estimate.record(false);
      }
      assert.equal(estimate.samples, 3);
      assert.equal(estimate.probability, 1 / 5);
    });
  });

  suite('keepPending', () => {
    test('where the user may pause, a request just sent to a slow model is restarted for the current position', () => {
      // Gain 0.75 × (60 + 40) = 75 < loss 0.25 × (1000 − 40 − 60) = 225.
      assert.equal(keepPending({ ...slow, ageMs: 40 }), false);
    });
    test('where the user may pause, an older request is kept: its answer comes much sooner than a new one', () => {
      // Gain 0.75 × (60 + 500) = 420 ≥ loss 0.25 × (1000 − 500 − 60) = 110.
      assert.equal(keepPending({ ...slow, ageMs: 500 }), true);
    });
    test('a request whose first token is due before a new one could even be sent is always kept', () => {
      assert.equal(keepPending({ ...slow, ageMs: 950, agreement: 0 }), true);
    });
    test('the less answers agree with the typing, the older a request must be to be kept', () => {
      const oldestRestarted = (agreement: number): number => {
        let age = 0;
        while (!keepPending({ ...slow, ageMs: age, agreement })) {
          age += 10;
        }
        return age;
      };
      assert.ok(oldestRestarted(0.9) < oldestRestarted(0.5));
      assert.ok(oldestRestarted(0.5) < oldestRestarted(0.1));
    });
    test('while the user types on, it is kept when answers agree often enough, or when its first token is due soon', () => {
      const typing = { ...slow, mayPauseHere: false, restartDelayMs: 220 };
      assert.equal(keepPending({ ...typing, agreement: 0.6 }), true);
      assert.equal(keepPending({ ...typing, agreement: 0.4 }), false);
      assert.equal(keepPending({ ...typing, agreement: 0.4, ageMs: 850 }), true, 'due within 200 ms');
      assert.equal(keepPending({ ...typing, agreement: 0.6, minAgreementWhileTyping: 0.7 }), false);
    });
    test('a model never measured is kept on the agreement alone (its first token is the only way to measure it)', () => {
      assert.equal(keepPending({ ...slow, timeToFirstTokenMs: undefined, agreement: 0.5 }), true);
      assert.equal(keepPending({ ...slow, timeToFirstTokenMs: undefined, agreement: 0.3 }), false);
    });
  });
});
