"""The HTTP client and the check the interop scripts share: BASE_URL and API_KEY from the command line."""
import sys
import urllib.error
import urllib.request

base, key = sys.argv[1], sys.argv[2]


def request(method, path, body=None, content_type=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers={"Authorization": f"Bearer {key}"})
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def check(ok, message):
    if not ok:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok - {message}")
