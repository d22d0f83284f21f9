"""What a request asked for that we refuse: a malformed body, window or find
query. Each carries the `error` code and the message its 400 (or close code)
answers with; the kinds differ only in where they are raised."""


class RequestRefused(ValueError):
    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error
        self.message = message
