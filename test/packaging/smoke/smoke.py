"""Synthesizes the minimal example through the Python binding, and a validation error (argv[1]: output folder)."""
import pathlib
import sys

from cdk8s import App, Chart
from cdk8s_pgaas import Credentials, PostgresCluster

out = pathlib.Path(sys.argv[1])
app = App()
chart = Chart(app, "minimal", namespace="dev")
PostgresCluster(chart, "db", name="hello-db", superuser_credentials=Credentials.from_secret("hello-db-superuser"))
(out / "synth.yaml").write_text(app.synth_yaml())

# Problems are reported when the app is synthesized, in one report for the whole app.
errors_app = App()
errors = Chart(errors_app, "errors", namespace="dev")
try:
    PostgresCluster(errors, "bad", name="Bad_Name", instances=0)
    errors_app.synth_yaml()
    message = "no error"
except Exception as error:  # jsii raises the library's error with its message
    message = str(error)
(out / "error.txt").write_text(message)
