"""The API's request and answer models, one module per resource: they validate the requests and
describe the answers, and ``chalicelib.api.openapi`` builds the OpenAPI document from them."""
