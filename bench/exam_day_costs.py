"""CPU of each kind of request an exam-day learner makes, in process, one at a time.

Evidence for bench/exam_day.py's table: which requests cost the server what. The app
is called through Starlette's TestClient (no sockets, no uvicorn), `--learners` times
over the whole exam of a set; each kind's median CPU is printed less a 404's (the
client's and the middleware's floor, measured in the same loop). Signing in uses a
cheap hash here: the argon2 cost is measured apart by exam_day.py.

    python bench/exam_day.py --quick --crowds 1 --keep     # a data folder with challenges/
    python bench/exam_day_costs.py sqlite:////tmp/quiz-exam-day-XXXX/quiz.db
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.exam_day import CSRF, OPTION, PASSWORD, SET, create_accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="a database with challenges/ loaded (URL)")
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--set", default=SET)
    args = parser.parse_args()
    from argon2 import PasswordHasher

    from app.config import Settings
    from app.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    names = [f"costs{time.time_ns() % 10**9}x{i}" for i in range(args.learners)]
    create_accounts(args.database, names, cheap.hash(PASSWORD))
    settings = Settings(
        DATABASE_URL=args.database, QUIZ_SECRET_KEY="c" * 40, QUIZ_ALLOWED_HOSTS="testserver"
    )
    app = create_app(settings, password_hasher=cheap)
    cost: dict[str, list[float]] = {}

    def timed(kind: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        reply = call(*args, **kwargs)
        cost.setdefault(kind, []).append(time.process_time() - began)
        assert reply.status_code < 400 or kind == "404 (floor)", (kind, reply.status_code)
        return reply

    intro = f"/challenges/{args.set}"
    for name in names:
        with TestClient(app) as client:
            token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
            fields = {"username": name, "password": PASSWORD, "csrf_token": token}
            client.post("/login", data=fields, follow_redirects=False)
            page = timed("intro page", client.get, intro)
            token = CSRF.search(page.text).group(1)
            started = timed(
                "start run", client.post, f"{intro}/runs", data={"csrf_token": token},
                follow_redirects=False,
            )  # fmt: skip
            run = started.headers["location"].split("/")[2]
            htmx = {"HX-Request": "true", "X-CSRF-Token": token}
            number = 1
            while True:
                base = f"/runs/{run}/problems/{number}"
                page = timed("problem page", client.get, base)
                timed("404 (floor)", client.get, "/no-such-page")
                options = [m.group(1) for m in OPTION.finditer(page.text)] or ["(1, 2)"]
                fields = {"answer": options[0], "csrf_token": token}
                timed("answer (htmx)", client.post, f"{base}/answer", data=fields, headers=htmx)
                if f"/runs/{run}/problems/{number + 1}" not in page.text:
                    break
                number += 1
            timed("result page", client.get, f"/runs/{run}")
    floor_ms = 1000 * statistics.median(cost.pop("404 (floor)"))
    print(f"{'kind':16} {'n':>5} {'ms CPU':>8}  (median, less a 404's {floor_ms:.2f} ms)")
    for kind, values in cost.items():
        print(f"{kind:16} {len(values):5d} {1000 * statistics.median(values) - floor_ms:8.2f}")


if __name__ == "__main__":
    main()
