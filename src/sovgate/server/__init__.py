"""sovgate.server"""
