"""Concurrent photo listings under `dropslot serve` (found by the soak run, issue 7).

The API's GET /api/jobs/{id}/photos lists the bucket through the S3 client, a blocking
HTTP call; under `serve` the embedded store answers it from the same process. When as
many listings run at once as the server has worker threads, every worker waits on a
store request that no free worker can answer, until the S3 client's timeout: each
listing fails with 503 storage_unavailable, and every other client of the process
(API and store alike) stalls meanwhile. This test runs 8 listings at once against a
2-thread server and needs them all to succeed, and a health check made meanwhile to be
answered."""
import concurrent.futures
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import Client, Serve, first_jobs, request  # noqa: E402


class PhotosConcurrency(unittest.TestCase):
    def test_concurrent_listings_do_not_deadlock_the_server(self):
        serve = Serve(extra=["--threads", "2"])
        try:
            token = serve.login()
            c = Client(serve, token)
            job = first_jobs(c)[0]
            status, grant = c.upload_url(job, 3)
            self.assertEqual(status, 200, grant)
            self.assertEqual(c.put(grant, b"abc")[0], 200)
            c.close()

            def listing(_):
                cl = Client(serve, token, timeout=60)
                try:
                    return cl.call("GET", "/api/jobs/%s/photos" % job)[0]
                finally:
                    cl.close()

            with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
                futures = [pool.submit(listing, i) for i in range(8)]
                health = request(serve.api_port, "GET", "/healthz", timeout=60)[0]
                statuses = [f.result() for f in futures]
            self.assertEqual(statuses, [200] * 8)
            self.assertEqual(health, 200)
        finally:
            serve.close()


if __name__ == "__main__":
    unittest.main()
