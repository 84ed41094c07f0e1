# The AWS CLI kept in one process (for tests and rehearsals): each line of stdin is a command
# ({"argv": [...], "env": {...}, "cwd": "..."}), each line of stdout its result
# ({"rc": 0, "stdout": "...", "stderr": "..."}). A command runs through awscli.clidriver, the code
# /usr/bin/aws runs (AWSCLIEntryPoint: its argument parsing, botocore's serializers and parsers, its output
# formatting), with a fresh driver, session, environment and working directory of its own. Shared
# between commands: the interpreter's start-up, the CLI's imports (about a second of CPU), and the
# CLI's data files as parsed (below).
import contextlib
import functools
import io
import json
import os
import sys

import awscli
import botocore.loaders  # awscli's own botocore: importing awscli makes it the one named botocore
import botocore.session
from awscli.clidriver import AWSCLIEntryPoint

# The data loader, one per data path (AWS_DATA_PATH and the CLI's data): the service models,
# endpoints and partitions it reads are parsed once and kept, as a long-lived botocore session keeps
# them for all its clients. Each command's session is still new (its credentials, config and
# handlers); only the parsing of read-only files is not done again. It was about four fifths of a
# command's CPU: 50 commands against a local cloud took 11.3 CPU s with a loader each, 2.3 with this.
botocore.session.create_loader = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)

replies = sys.stdout
# What importing awscli does to the environment of a process that starts the CLI: its own data
# (cli.json, the customizations' models) after the AWS_DATA_PATH the caller gave.
AWSCLI_DATA = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data")


def environment(env):
    env = dict(env)
    given = [os.path.expanduser(os.path.expandvars(p)) for p in env.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    env["AWS_DATA_PATH"] = os.pathsep.join(given + [AWSCLI_DATA])
    if env.get("LC_CTYPE") == "UTF-8":  # as /usr/bin/aws does
        env["LC_CTYPE"] = "en_US.UTF-8"
    return env


def captured():
    raw = io.BytesIO()
    return raw, io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=True)


def run(request):
    os.environ.clear()
    os.environ.update(environment(request["env"]))
    os.chdir(request.get("cwd") or os.environ.get("HOME", "/"))
    out_raw, out = captured()
    err_raw, err = captured()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = AWSCLIEntryPoint().main(request["argv"])
        except SystemExit as exit:
            rc = exit.code if isinstance(exit.code, int) else 255
    out.flush()
    err.flush()
    return {
        "rc": rc,
        "stdout": out_raw.getvalue().decode("utf-8", "replace"),
        "stderr": err_raw.getvalue().decode("utf-8", "replace"),
    }


sys.argv[0] = "aws"  # the name usage lines print
for line in sys.stdin:
    if line.strip():
        replies.write(json.dumps(run(json.loads(line))) + "\n")
        replies.flush()
