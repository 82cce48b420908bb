"""Renders a captured terminal screen (ANSI colours) to the SVG shown at the top of the README.

Needs Python 3 and the `rich` package (not a lambdeck dependency), e.g. in a scratch virtualenv:

    python3 -m venv /tmp/shot && /tmp/shot/bin/pip install rich

Capture a real run of the dashboard in tmux, then render it:

    tmux new -d -s shot -x 120 -y 40 'cargo run -- --local'
    # ... wait for the setup, press keys until the screen shows what you want ...
    tmux capture-pane -e -p -t shot > /tmp/dashboard.ansi
    /tmp/shot/bin/python assets/render_screenshot.py /tmp/dashboard.ansi assets/dashboard.svg
"""

import io
import sys

from rich.console import Console
from rich.text import Text


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: render_screenshot.py CAPTURE.ansi OUT.svg")
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().rstrip("\n").split("\n")
    width = 120
    console = Console(
        file=io.StringIO(), record=True, width=width, force_terminal=True, color_system="256"
    )
    for line in lines:
        # One Text per row, so a row never wraps into the next.
        console.print(Text.from_ansi(line), no_wrap=True, overflow="crop", crop=True)
    console.save_svg(sys.argv[2], title="lambdeck --local")


if __name__ == "__main__":
    main()
