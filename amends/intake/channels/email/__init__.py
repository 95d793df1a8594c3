"""Email intake: a support mailbox polled over IMAP, and .eml files uploaded by hand.

parsing.py reads a raw message (pure, no database), services.py stores it as feedback, imap.py polls a mailbox.
"""
