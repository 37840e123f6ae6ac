from sovgate.cli import main

main()
