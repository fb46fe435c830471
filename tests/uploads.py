"""What a multipart (upload) request carries besides its parts."""

# gateway/graphql_http.py refuses a multipart request without it (it forces the CORS preflight)
PREFLIGHT = {"Apollo-Require-Preflight": "true"}
