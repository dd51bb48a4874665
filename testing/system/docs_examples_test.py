"""The YAML examples in docs/ load, and decide as the docs say they do.

Operators copy these blocks; a doc example that no longer loads would teach
them a config that fails.
"""

import json
import os
import re
import subprocess
import unittest

from testing.harness import harness

AUTHORIZE = harness.binary("authorize/postern-authorize")
DOCS = os.path.join(os.environ["TEST_SRCDIR"], "postern", "docs")


def yaml_blocks(name):
    with open(os.path.join(DOCS, name)) as f:
        return re.findall(r"```yaml\n(.*?)```", f.read(), flags=re.S)


def evaluate(config_text, request):
    path = os.path.join(harness.tmpdir("docs"), "config.yaml")
    with open(path, "w") as f:
        f.write(config_text)
    result = subprocess.run([AUTHORIZE, "eval", "--config", path],
                            input=json.dumps(request).encode(), capture_output=True, timeout=60)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


class DocsExamplesTest(unittest.TestCase):
    def test_every_yaml_block_with_routes_loads(self):
        blocks = [b for name in ("configuration.md", "policy.md") for b in yaml_blocks(name)]
        self.assertGreaterEqual(len(blocks), 3)
        for block in blocks:
            if not block.lstrip().startswith(("routes:", "address:")):
                continue  # a fragment (a single rule), not a file
            route = re.search(r"from: (\S+)", block).group(1)
            code, out, err = evaluate(block, {"route": route, "session": None})
            self.assertIn(code, (0, 1), "%s\n%s" % (err, block))
            self.assertIn(json.loads(out)["decision"], ("allow", "deny", "unauthenticated"))

    def test_policy_page_example_decides_as_documented(self):
        block = yaml_blocks("policy.md")[0]
        route = "tcp+https://redis.corp.example.com:6379"
        member = {"user": "u1", "email": "ds@example.com", "groups": ["datascience@example.com"]}
        self.assertEqual(evaluate(block, {"route": route, "session": member,
                                          "source_ip": "192.0.2.7"})[0], 0)
        self.assertEqual(evaluate(block, {"route": route, "session": member,
                                          "source_ip": "198.51.100.3"})[0], 1)
        code, out, _ = evaluate(block, {"route": route})
        self.assertEqual(json.loads(out)["decision"], "unauthenticated")


if __name__ == "__main__":
    unittest.main()
