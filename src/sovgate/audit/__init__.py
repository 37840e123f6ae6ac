"""sovgate.audit"""
