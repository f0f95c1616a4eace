"""Cloud Workflows definitions (``*.yaml``) and the code that deploys and starts them."""
