"""A tiny terminal emulator for the progress-bar tests: what a reader's screen shows.

:func:`screen` replays the bytes a program wrote to a terminal: characters
overwrite the line the cursor is on, ``\\r`` returns to its start, ``\\n`` goes
to the next line (a pty turns ``\\n`` into ``\\r\\n``), ``ESC[nA`` / ``ESC[nB``
move up / down, ``ESC[K`` clears to the end of the line; other escape sequences
(colours) are dropped. The result is the screen's lines, right-stripped.
"""

from __future__ import annotations

import re

ESCAPE = re.compile(r"\x1b\[(\d*)([A-Za-z])")


def screen(text: str) -> list[str]:
    lines: list[list[str]] = [[]]
    row = col = 0
    i = 0
    while i < len(text):
        found = ESCAPE.match(text, i)
        if found:
            n = int(found.group(1) or 1)
            code = found.group(2)
            if code == "A":
                row = max(0, row - n)
            elif code == "B":
                row += n
            elif code == "K":
                del lines[row][col:]
            i = found.end()
            while len(lines) <= row:
                lines.append([])
            continue
        ch = text[i]
        i += 1
        if ch == "\r":
            col = 0
        elif ch == "\n":
            row, col = row + 1, 0
            while len(lines) <= row:
                lines.append([])
        elif ch >= " ":
            line = lines[row]
            while len(line) < col:
                line.append(" ")
            if col < len(line):
                line[col] = ch
            else:
                line.append(ch)
            col += 1
    return ["".join(line).rstrip() for line in lines]
