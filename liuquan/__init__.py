"""liuquan: software for the 六权治本 governance reform."""

__version__ = "0.1.0"
