"""The cash basis in the store: a projection of the journal kept beside it.

`projection` maintains, per posted entry, the cash-basis increments (an invoice's revenue
recognised as its payments arrive); `items` keeps the open invoices and bills it settles,
`rewind` recomputes from a date when an entry arrives out of order, `sql` holds the table
access the three share, and `basis` answers cash-basis balances from the projection.
"""
