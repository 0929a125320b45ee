"""The partner part of the API: the GraphQL types and fields a partner key reads
(activities, academies, municipalities, reach) and the iCalendar / JSON-LD feeds."""
