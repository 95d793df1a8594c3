"""File imports: Amends' own feedback CSV and the US CFPB complaint database (CSV or Parquet), resumable.

Pure mapping modules (`readers`, `feedback_format`, `cfpb_mapping`, `records`) turn rows into records; `writer`
stores a chunk of records in a few statements; `importer` runs a file chunk by chunk as an ImportRun.
"""
