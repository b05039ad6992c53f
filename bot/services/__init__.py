"""Services: the product's rules, in plain Python over the storage repositories."""
