"""Import and export of a sheet's rows (docs/import-export.md).

Reading a file (reading.py, table.py, sniffing.py), inferring a new sheet's
column types (inference.py), cleaning rows for their columns (cleaning.py),
the preview (preview.py) and the rows it keeps (preview_cache.py) only read.
The writer service (writer.py, with bulk.py) is the one way import writes
reach a sheet; jobs (jobs.py) run a preview, then the writer, outside the
request. The sheet's Resource (resources.py) maps columns to fields for both
directions; export.py streams a sheet out; views.py is the pages.
"""
