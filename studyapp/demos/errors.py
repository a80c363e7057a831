"""The one error a demo's computation raises about its input."""


class InputError(ValueError):
    """A value the engine refused, tied to the form field it came from (None: the whole form)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
