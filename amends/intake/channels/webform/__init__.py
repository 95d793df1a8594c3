"""The public complaint form: one page per location at /c/<code>, reached by the QR code on a printed poster."""
