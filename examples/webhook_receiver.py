"""A minimal receiver for Debrief's signed webhooks, verified with the official Standard
Webhooks library (pip install standardwebhooks).

    WEBHOOK_SECRET=whsec_... python3 examples/webhook_receiver.py [PORT]

Prints every verified event; answers 401 to anything whose signature does not verify. The
routing below is the seed's CRM and QA examples, driven by the events Debrief sends.
"""

import http.server
import json
import os
import sys

from standardwebhooks.webhooks import Webhook

webhook = Webhook(os.environ["WEBHOOK_SECRET"])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            event = webhook.verify(body, dict(self.headers))
        except Exception as e:  # a bad or missing signature, or a stale timestamp
            print(f"rejected: {e}", flush=True)
            self.send_response(401)
            self.end_headers()
            return
        kind = event["event"]
        if kind == "conversation.analyzed":
            print(f"{event['conversation_id']}: {event['status']} {json.dumps(event['analysis'])}", flush=True)
        elif kind == "lead.hot":
            print(f"CRM: new opportunity from {event['conversation_id']}", flush=True)
        elif kind == "qa.review_needed":
            print(f"QA: review {event['conversation_id']} ({event['rule']['name']})", flush=True)
        else:
            print(f"{kind}: {json.dumps(event)}", flush=True)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
print(f"listening on http://127.0.0.1:{port}/hooks", flush=True)
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
