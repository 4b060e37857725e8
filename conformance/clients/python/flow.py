"""What every client flow is given and how it reports: shared by the Python client scripts.

The harness (`cargo xtask clients`) starts igsim on loopback, creates a fresh demo-world
sandbox per client and runs each script with:

  IGSIM_BASE_URL     the simulator, e.g. http://127.0.0.1:40123 (no trailing slash)
  IGSIM_TOKEN        the sandbox's Dana Admin user token (every permission, every Page task)
  IGSIM_IG_USER_ID   the IG account me/accounts must lead to (metricsaurus)
  IGSIM_HASHTAG      a hashtag (without '#') unique to this run, put in the new post's caption
  IGSIM_APP_ID, IGSIM_APP_SECRET  the sandbox's app: clients that can sign calls with
                     `appsecret_proof` are given the secret, as an app on a server would

A script exits 0 when the whole flow passed, 1 with one `FAIL: ...` line when a check failed,
and 2 when a client call raised (the client's own error text is printed).
"""

import os
import sys
import traceback


class FlowFailure(Exception):
    """A check of the flow did not hold."""


def env(name):
    value = os.environ.get(name, "").strip()
    if not value:
        print(f"FAIL: {name} is not set (run through `cargo xtask clients`)", file=sys.stderr)
        sys.exit(2)
    return value


def inputs():
    """The harness's inputs: (base URL, token, IG user id, hashtag)."""
    return env("IGSIM_BASE_URL"), env("IGSIM_TOKEN"), env("IGSIM_IG_USER_ID"), env("IGSIM_HASHTAG")


def app():
    """The sandbox app's (id, secret), for clients that sign calls with `appsecret_proof`."""
    return env("IGSIM_APP_ID"), env("IGSIM_APP_SECRET")


def check(cond, what):
    """Fails the flow with `what` unless `cond` holds."""
    if not cond:
        raise FlowFailure(what)


def step(name):
    print(f"  step: {name}", flush=True)


def image_url(client):
    """A JPEG URL igsim's offline media judgement accepts (http(s), .jpg)."""
    return f"https://images.example.com/igsim-clients/{client}.jpg"


def unfetchable_image_url(client):
    """An image URL igsim refuses as production refuses one it cannot fetch: HTTP 400, code 9004,
    subcode 2207052 ("Media download has failed"), forced by igsim's `igsim_error` URL hook."""
    return image_url(client) + "?igsim_error=2207052"


UNFETCHABLE = (400, 9004, 2207052)


def run(client, flow):
    """Runs `flow()` and turns its outcome into the exit code and a last line."""
    try:
        flow()
    except FlowFailure as e:
        print(f"FAIL: {client}: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - a client error is the failure we report
        traceback.print_exc()
        print(f"FAIL: {client}: a client call raised (above)", file=sys.stderr)
        sys.exit(2)
    print(f"PASS: {client}")
