"""A UiTdatabank stand-in for tests and the local run (uitdatabank.md §13): Entry API
`GET /{events,places,organizers}/{id}` and Search API v3 `GET /{events,places,organizers}`
from a folder of documents, and signed change notifications like UiTdatabank's own."""
