"""sovgate.catalog"""
