"""The embedded local AWS stack (no Docker): DynamoDB Local, moto server, the API, a Lambda runner."""
