"""Reads an mboxrd file with Python's email package (default policy), as a mail tool would,
and prints each message's id, From, display name, Subject, text body and defects as JSON."""
import email
import email.policy
import json
import re
import sys

data = open(sys.argv[1], "rb").read()
out = []
# mboxrd: a message starts at a "From " line that begins the file or follows a blank line.
for chunk in re.split(rb"(?m)^From [^\n]*\n", data)[1:]:
    raw = chunk[:-1] if chunk.endswith(b"\n") else chunk  # the blank separator line
    raw = re.sub(rb"(?m)^>(>*From )", rb"\1", raw)
    m = email.message_from_bytes(raw, policy=email.policy.default)
    part = m.get_body(("plain",))
    sender = m["From"]
    out.append({
        "id": m["Message-ID"],
        "from": str(sender),
        "name": sender.addresses[0].display_name if sender.addresses else None,
        "subject": str(m["Subject"]),
        "body": part.get_content(),
        "charset": part.get_content_charset(),
        "defects": [type(d).__name__ for d in m.defects] + [type(d).__name__ for d in sender.defects],
    })
print(json.dumps(out))
