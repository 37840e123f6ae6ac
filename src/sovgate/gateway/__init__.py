"""sovgate.gateway"""
