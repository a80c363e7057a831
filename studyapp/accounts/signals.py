"""The accounts app's own signal, so that apps it must not import can take part in a log-in.

guest_progress_pending
    Sent by the log-in view after a guest with stored data logged in to an account (the guest's
    learner is kept aside in the session: `learners.pending_guest`). Arguments: `request`,
    `guest` (the guest's Learner), `next_url` (where the log-in would go). A receiver may return
    the URL of a page that asks the learner what to do with the guest's data (review's asks
    merge or discard); the first URL returned is where the log-in goes.
"""

from django.dispatch import Signal

guest_progress_pending = Signal()
