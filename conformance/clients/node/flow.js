// What every Node client flow is given and how it reports: the contract of ../python/flow.py
// (IGSIM_BASE_URL, IGSIM_TOKEN, IGSIM_IG_USER_ID, IGSIM_HASHTAG; exit 0 passed, 1 a check
// failed with one `FAIL: ...` line, 2 a client call threw).

'use strict';

/** A check of the flow did not hold. */
class FlowFailure extends Error {}

function env(name) {
  const value = (process.env[name] || '').trim();
  if (!value) {
    console.error(`FAIL: ${name} is not set (run through \`cargo xtask clients\`)`);
    process.exit(2);
  }
  return value;
}

/** The harness's inputs: `{base, token, wantIg, hashtag}`. */
function inputs() {
  return {
    base: env('IGSIM_BASE_URL'),
    token: env('IGSIM_TOKEN'),
    wantIg: env('IGSIM_IG_USER_ID'),
    hashtag: env('IGSIM_HASHTAG'),
  };
}

/** Fails the flow with `what` unless `cond` holds. */
function check(cond, what) {
  if (!cond) throw new FlowFailure(what);
}

function step(name) {
  console.log(`  step: ${name}`);
}

/** A JPEG URL igsim's offline media judgement accepts (http(s), .jpg). */
function imageUrl(client) {
  return `https://images.example.com/igsim-clients/${client}.jpg`;
}

/** An image URL igsim refuses as production refuses one it cannot fetch: HTTP 400, code 9004,
 * subcode 2207052 ("Media download has failed"), forced by igsim's `igsim_error` URL hook. */
function unfetchableImageUrl(client) {
  return `${imageUrl(client)}?igsim_error=2207052`;
}

/** The refusal of [`unfetchableImageUrl`]: HTTP status, code, subcode. */
const UNFETCHABLE = [400, 9004, 2207052];

/** Runs the async `flow` and turns its outcome into the exit code and a last line. */
function run(client, flow) {
  flow().then(
    () => console.log(`PASS: ${client}`),
    (e) => {
      if (e instanceof FlowFailure) {
        console.error(`FAIL: ${client}: ${e.message}`);
        process.exit(1);
      }
      console.error(e && e.stack ? e.stack : e);
      if (e && e.response) console.error(JSON.stringify(e.response));
      console.error(`FAIL: ${client}: a client call raised (above)`);
      process.exit(2);
    },
  );
}

module.exports = {UNFETCHABLE, check, imageUrl, inputs, run, step, unfetchableImageUrl};
