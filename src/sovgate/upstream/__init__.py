"""sovgate.upstream"""
