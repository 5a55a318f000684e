"""``python -m sk_textcnn``: the ``sk-textcnn`` command."""

import sys

from sk_textcnn.cli import main

sys.exit(main())
