"""Drives awscli for test/clients/awscli.test.ts: one JSON command {"args": [...]} per stdin line, one JSON answer
{"rc", "stderr"} per line. Each command runs awscli.clidriver's main, what the `aws` script runs, in one
long-lived interpreter: a Python start per command made the suite CPU-bound. Answers carry no key material
(the keys travel as fileb:// paths).
"""
import contextlib
import io
import json
import sys

import awscli
import awscli.clidriver


def main():
    answers = sys.stdout
    print(json.dumps({"ready": awscli.__version__}), file=answers, flush=True)
    for line in sys.stdin:
        args = json.loads(line)["args"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = awscli.clidriver.create_clidriver().main(args)
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else 1
            except Exception as e:  # an answer, never a dead driver: the test decides
                rc = 255
                err.write(repr(e))
        print(json.dumps({"rc": rc, "stdout": out.getvalue()[-4000:], "stderr": err.getvalue()[-2000:]}), file=answers, flush=True)


main()
