"""Runs one browser scenario (see harness.py) and exits 0 when it passed, 1 when it failed,
77 when this machine has no Chromium (the only reason a browser test may be skipped).

    python3 Tests/Browser/run.py --base-url http://127.0.0.1:PORT [--screenshots DIR] scenario_NAME.py
"""

import argparse
import importlib.util
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SKIP = 77


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--screenshots", default=os.environ.get("WAVEDEFECT_SCREENSHOTS", "screenshots"))
    parser.add_argument("scenario")
    args = parser.parse_args()

    if harness.chromium_binary() is None:
        print("SKIP: no chromium on this machine (Debian: apt-get install chromium chromium-driver)")
        return SKIP
    if harness.chromedriver_binary() is None:
        print("FAIL: chromium is installed but chromedriver is not (Debian: apt-get install chromium-driver)")
        return 1
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("FAIL: python selenium is missing (scripts/install-deps.sh --test installs it)")
        return 1

    spec = importlib.util.spec_from_file_location("scenario", args.scenario)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    h = harness.Harness(args.base_url, args.screenshots)
    started = time.monotonic()
    name = os.path.basename(args.scenario)
    try:
        module.run(h)
        h.check_consoles()
    except Exception:
        traceback.print_exc()
        for page in h.pages:
            try:
                path = page.screenshot(f"FAILED-{name[:-3]}-{page.identity}", full_page=False)
                print(f"failure screenshot: {path}")
                for e in page.console:
                    print(f"console [{page.identity}] {e.get('level')}: {e.get('message')}")
            except Exception as e:
                print(f"no failure screenshot for {page.identity}: {e}")
        print(f"FAIL {name} after {time.monotonic() - started:.1f} s")
        return 1
    finally:
        h.close()
    print(f"PASS {name} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
