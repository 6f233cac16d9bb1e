"""Writes of the visits app, one module per job: the rep's day (``rep_day``: plan, check in and out, order lines,
the sheet's route and submission) and its photos (``visit_photos``), the manager's review (``manager_review``), the
customers' positions (``customer_positions``) and first orders (``first_orders``), and the ERP sales import
(``sales_import``); ``sheet_rules`` holds what every write to a sheet checks and does. Each entry point is one durable
transaction (``salesops.transactions``) and checks the caller's reach.
"""
