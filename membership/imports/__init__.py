"""Excel imports of the unit list and the worker roster (SPEC §7.4, §11).

- columns: the templates' columns and allowed values
- cells: what a careful clerk would normalise in a cell
- reader: a real .xlsx or a clear error; rows with Excel's row numbers
- engine, units, workers: check every row first, then upsert in bulk
- workbooks: the templates and the bad-rows workbook
- services: import runs of the web page and the `import_roster` command
- selectors: reads of runs, each seen only by its uploader
"""
