"""Runs sdk_js_test.mjs (npm @aws-sdk/client-s3 v3, defaults) against `dropslot s3`."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from store_harness import Store, run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class SdkJs(unittest.TestCase):
    def test_sdk_v3(self):
        if not os.path.isdir(os.path.join(HERE, "..", "node_modules", "@aws-sdk", "client-s3")):
            self.skipTest("tests/node_modules has no @aws-sdk/client-s3 (run scripts/setup --test)")
        store = Store()
        try:
            env = store.client_env(STORE_ENDPOINT=store.endpoint, STORE_KEY_ID=store.key_id, STORE_SECRET=store.secret)
            r = run(["node", os.path.join(HERE, "sdk_js_test.mjs")], env)
            self.assertIn("sdk-js: ok", r.stdout)
            print(r.stdout)
        finally:
            store.close()


if __name__ == "__main__":
    unittest.main()
