"""newsbot: a local, offline news Q&A and briefing bot whose every sentence is cited."""

__version__ = "0.1.0"
