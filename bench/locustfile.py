"""One locust user for bench.load: GET $BENCH_PATH with `Authorization: Token $BENCH_TOKEN`, as fast as it answers.

Anything but a 200 is a failure. bench.load runs it headless, once per endpoint, with the same users and time.
"""

import os

from locust import FastHttpUser, constant, task

PATH = os.environ["BENCH_PATH"]
HEADERS = {"Authorization": f"Token {os.environ['BENCH_TOKEN']}", "Accept": "application/json"}


class Client(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self) -> None:
        with self.client.get(PATH, headers=HEADERS, name=PATH, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}: {(response.text or '')[:200]}")
