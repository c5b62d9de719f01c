# Parses each submit description named on the command line with HTCondor's own Python bindings
# (htcondor2.Submit, classad2) and prints one JSON object per file: every key as HTCondor expands it, the
# queue arguments, and the hold policy evaluated for the exit statuses the envoys document. A ClassAd
# expression that does not parse makes the file's "errors" non-empty.
import json
import sys

import classad2
import htcondor2

EXPRESSIONS = ("on_exit_hold", "on_exit_hold_reason", "on_exit_hold_subcode")

for path in sys.argv[1:]:
    result = {"file": path, "errors": []}
    try:
        with open(path, encoding="utf-8") as handle:
            submit = htcondor2.Submit(handle.read())
        result["keys"] = {key: submit.expand(key) for key in submit.keys()}
        result["queue"] = submit.getQArgs()
        hold = {}
        for key in EXPRESSIONS:
            if key in submit:
                classad2.ExprTree(submit.expand(key))
        if "on_exit_hold" in submit:
            for status in (0, 2, 65, 66, 69, 70, 73, 75, 124, 143):
                ad = classad2.ClassAd({"ExitCode": status, "ExitBySignal": False})
                ad["hold"] = classad2.ExprTree(submit.expand("on_exit_hold"))
                hold[str(status)] = ad.eval("hold")
            killed = classad2.ClassAd({"ExitBySignal": True, "ExitSignal": 9})
            killed["hold"] = classad2.ExprTree(submit.expand("on_exit_hold"))
            hold["SIGKILL"] = killed.eval("hold")
        result["hold"] = hold
    except Exception as error:  # every failure of the bindings is the finding, whatever its class
        result["errors"].append(f"{type(error).__name__}: {error}")
    print(json.dumps(result))
