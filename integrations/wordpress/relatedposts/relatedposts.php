<?php
/**
 * Plugin Name:       relatedposts: You Might Also Enjoy
 * Plugin URI:        https://github.com/relatedposts/relatedposts
 * Description:       Server-rendered related posts from your relatedposts service (shortcode [relatedposts], block, or appended to posts), and publish-time updates of the service's lists.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            relatedposts
 * License:           MIT
 * Text Domain:       relatedposts
 *
 * @package relatedposts
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit; // Loaded by WordPress only.
}

define( 'RELATEDPOSTS_VERSION', '0.1.0' );
define( 'RELATEDPOSTS_DIR', __DIR__ );

require_once __DIR__ . '/includes/options.php';
require_once __DIR__ . '/includes/render.php';
require_once __DIR__ . '/includes/ingest.php';

if ( is_admin() ) {
	require_once __DIR__ . '/includes/settings.php';
}

add_shortcode( 'relatedposts', 'relatedposts_shortcode' );
add_action( 'init', 'relatedposts_register_block' );
add_filter( 'the_content', 'relatedposts_append_to_content', 20 );
add_action( 'transition_post_status', 'relatedposts_on_transition', 10, 3 );
add_action( 'before_delete_post', 'relatedposts_on_delete', 10, 1 );
