"""sovgate.policy"""
